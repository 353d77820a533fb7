"""Hearing the parties before deciding: proposals, consultation requests and the parties' own answers.

The staff proposes (:mod:`~lbs.hearing.proposals`), every required party is asked in the required form, the
parties answer in the application themselves (:mod:`~lbs.hearing.answers`), and the staff decides
(:mod:`~lbs.hearing.deciding`): the answers become the decision's consultations. The models live in
:mod:`lbs.consultation.hearings`; this package sits above the decision log, whose services it calls.
"""
