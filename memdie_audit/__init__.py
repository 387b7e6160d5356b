__version__ = "0.1.0"

# The project's public home, once it has one (e.g. its repository's web
# page): SARIF's informationUri. While it is None it is left out, since SARIF
# wants absolute URIs and a made-up one would send readers nowhere.
HOME_URL: str | None = None
# The public address of docs/rules.md, once there is one: each SARIF rule's
# helpUri is its section there (RULES_URL#rule-id). Until then code scanning
# shows each rule's help.markdown, which carries the same text.
RULES_URL: str | None = None
