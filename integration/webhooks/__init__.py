"""Notion's webhooks: the endpoint Notion (or the sandbox) posts its events to, and what the app
reads of them. Each request is recorded in the request history as incoming (source "webhook"),
taken or refused; the checks and the shapes are those of `integration.notion.events`."""
