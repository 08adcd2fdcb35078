"""The admin web UI: server-rendered pages for tenant admins, mounted at ``/ui`` beside the API."""
