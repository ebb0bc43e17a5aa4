"""Pull/merge request comments: post the markdown report as one sticky comment on GitHub or GitLab."""
