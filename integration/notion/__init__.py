"""The only code that talks to Notion.

Services, one module per kind of object (`databases`, `pages`, `content`,
`comments`) and `selectors` for reads, each call Notion through the one client
factory of `client`. `limits`, `endpoints`, `shapes`, `blocks`, `markdown` and
`columns` hold what the app knows of Notion's API itself; they import nothing of
Django, so the sandbox's engine and the benchmarks use them too.
"""
