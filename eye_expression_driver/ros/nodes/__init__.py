"""One module per node executable (nodes/<name> runs ros.nodes.<name>.main): thin glue."""
