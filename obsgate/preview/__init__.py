"""Pure pieces of `obsgate preview`: dashboards drawn by obsgate from the live data, without Grafana.

Layout on Grafana's 24-column grid, Grafana-style unit formatting, threshold colours, legend names,
the Markdown subset of text panels and the time range; no I/O here. Drawing is render_preview.py, the
live queries are smoke/panel_data.py, the command is commands/preview.py.
"""

DISCLAIMER = "a preview drawn by obsgate from the live data, not Grafana's rendering"
