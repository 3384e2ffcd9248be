"""The demo: the scripted 20 s session the synthetic headset plays, and the report (metrics
against the truth, plots, preview) written from its recording."""
