"""Tests of the SIE and PAXml readers and writers (formats/)."""
