"""Commands that start or feed graphs: ``run``, ``demo``, ``record``, ``play``."""
