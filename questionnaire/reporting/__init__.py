"""Reporting: the report registry (`reports`), whole periods (`periods`), the rules against small
groups and differencing (`disclosure`), tables as CSV/XLSX (`tables`), the pseudonymised export
(`export`), the spider diagram (`chart`) and the report pages (`views`)."""
