; The fields of `struct thread_info` in a flag header: the type of `flags`
; tells how many bits the flag word has.

(struct_specifier
  name: (type_identifier) @struct.name
  body: (field_declaration_list
    (field_declaration) @field)
  (#eq? @struct.name "thread_info"))
