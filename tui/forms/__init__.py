"""Modal screens: the action form, the inject form, help, confirmations and the PIN."""

from .action import ActionForm, MarkedList
from .dialogs import Confirm, ConfirmQuit, HelpScreen, PinPrompt
from .inject import InjectForm
from .observation import ObservationForm
from .task import TaskForm
from .when import BreakForm, TimeForm

__all__ = ["ActionForm", "BreakForm", "Confirm", "ConfirmQuit", "HelpScreen", "InjectForm",
           "MarkedList", "ObservationForm", "PinPrompt", "TaskForm", "TimeForm"]
