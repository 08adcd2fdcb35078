"""Readers and writers of SIE 4 and PAXml 2.0 files: pure, streams in, streams out."""
