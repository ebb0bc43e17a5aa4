"""Plan JSON (`terraform show -json`): streamed, read into Resources, linked by configuration references."""
