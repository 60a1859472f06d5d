"""E-mails to shoppers about their orders (see `emails` and `tasks`)."""
