"""One module per `nianbao` command, named as the command; each `main(args)` returns the exit status."""
