"""HCL text into Blocks: outline, parse, .tf.json syntax, the parse cache, inline ignores."""
