"""One module per chapter: each theorem's experiment as one function returning a tidy table or record.

A chapter imports its module (``from overparam.experiments import oymak2020 as ex``) and calls one
function per theorem; every loop over widths, seeds or cells lives here, not in the notebook.
"""
