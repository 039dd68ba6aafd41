"""One module per family of signals; see reattune/detection/README.md."""
