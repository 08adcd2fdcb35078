"""The composition root: the one place that opens the store, the Fortnox clients, the job queue
and the HTTP application from the settings, for ``serve``, the worker, the CLI and the
benchmarks. Everything below it receives what it needs; nothing below it reads the settings or
builds a database engine itself."""
