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

; asm-offsets.c: DEFINE(NAME, value) becomes "#define NAME value" for assembly.
(call_expression
  function: (identifier) @_call
  arguments: (argument_list . (identifier) @define.name)
  (#eq? @_call "DEFINE"))

(function_definition declarator: (_) @function.declarator) @function
