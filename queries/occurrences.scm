; Where a token of the flag sits in C, asked one token at a time
; (the query cursor is limited to the token's bytes). The text is parsed
; with its comments blanked; comments and strings are the lexer's call.

(preproc_def name: (identifier) @define.name) @define
(preproc_function_def name: (identifier) @define.name) @define

; A macro body is raw text to tree-sitter: the scanner reads it lexically.
(preproc_arg) @macro.body

; `#ifdef TIF_X` and `defined(TIF_X)` only ask whether the flag exists.
(preproc_ifdef name: (identifier) @guard.name)
(preproc_defined (identifier) @guard.name)

(call_expression
  function: (identifier) @call.function
  arguments: (argument_list) @call.arguments)

(function_definition declarator: (_) @function.declarator) @function

(ERROR) @error
