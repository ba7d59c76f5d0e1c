"""Reading a partner's message as answers to the intake's questions. Pure: no Rasa.

Every slot value of the intake comes out of this package already normalised to the contract's
values (DESIGN.md, "Slots"): the form's validation, the start of an intake and the summary all
read messages through `read_answer` (form.py), `read_opening` (openings.py) and
`read_correction` (corrections.py), and the actions only store what these return. A message the
assistant cannot read leaves the slot empty; it is never carried to the summary as typed.

readings.py   the types: Message, Reading (Kind, values, Note)
values.py     one question's value from the partner's words
wording.py    how partners phrase around answers, in every language
buttons.py    clicked buttons
corrections.py, openings.py, form.py   as above
"""
from bot.answers.corrections import read_correction
from bot.answers.form import DEFAULTS, read_answer, skipped, taken_default
from bot.answers.openings import names_a_partnership, names_wikimedia, read_opening, wants_partnership
from bot.answers.readings import Kind, Message, Note, Reading
from bot.answers.values import read_yes_no

__all__ = [
    "DEFAULTS",
    "Kind",
    "Message",
    "Note",
    "Reading",
    "names_a_partnership",
    "names_wikimedia",
    "read_answer",
    "read_correction",
    "read_opening",
    "read_yes_no",
    "skipped",
    "taken_default",
    "wants_partnership",
]
