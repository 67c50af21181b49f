"""The HTTP boundary with Notion, under notion-client, in small layers:

    RetryTransport → PacingTransport → AuditTransport → the network (or the sandbox)

`stack.build_transport` puts them together from one `Policy`, read from the
settings once per client, so that other work (a bulk job, say) can use another.
"""
