"""`python -m bot.i18n` (make domain): write the domain's replies from the catalogues."""
from bot.i18n.build import main

main()
