"""The sandbox: a local stand-in for Notion, used when no NOTION_KEY is set.

`engine` answers Notion's API with no Django in it (the tests' fake Notion and the
benchmarks use it too); `store` keeps its objects in the app's database; the viewer
shows them where a link would otherwise open Notion.
"""
