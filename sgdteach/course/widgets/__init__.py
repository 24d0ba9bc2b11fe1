"""Interactive widgets for the course notebooks (ipywidgets 8, inline figures).

Each builder is thin: it wires controls to a ``draw`` function that calls :mod:`sgdteach`'s
descent and plotting code; no maths lives here.
"""

from ._base import CourseWidget, render_png
from .beyond_floor import draw_floor_methods, floor_methods_widget
from .learning_rate import draw_schedules, schedules_widget
from .methods import draw_methods, methods_widget
from .network import draw_network, network_widget
from .optimizers import draw_optimizers, optimizers_widget

__all__ = ["CourseWidget", "render_png", "draw_floor_methods", "floor_methods_widget",
           "draw_methods", "methods_widget", "draw_network", "network_widget", "draw_schedules",
           "schedules_widget", "draw_optimizers", "optimizers_widget"]
