"""The intake screen: the complaint form, duplicate check and the saved panel."""
