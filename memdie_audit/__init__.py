__version__ = "0.1.0"

# The project's public home, once it has one (e.g. its repository's web
# page). SARIF's informationUri and each rule's helpUri (the README's rule
# table) derive from it; while it is None they are left out, since SARIF
# wants absolute URIs and a made-up one would send readers nowhere.
HOME_URL: str | None = None
