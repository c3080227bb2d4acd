"""The use cases, written once: record an event, open a case, wake a case, tick the clock,
deliver what is due, rebuild the read model, the caseload at a glance.

Plain functions over the store (``domain.store.CaseRepository``, one transaction per call)
and an ``as_of``: nothing here reads the clock or knows Prefect. The flows wrap them in
tasks (``tasks/``); the command line and ``cpo simulate`` call them directly, so a step
recorded from the UI, from a terminal or in a simulation is the same code
(docs/architecture.md).
"""
