"""The sector's returns and the managers' timeliness report, from the same record.

Pure builders over the domain and the store's read API (``domain.store.extracts``): the CIN
census's child protection parts (``cin_census``), Ofsted's Annex A List 7 (``annex_a``) and
the timeliness measures with their charts and report (``timeliness``, ``charts``,
``report``). Never Prefect, never the store's tables: ``services.returns`` reads the store,
writes the files (0600) and records each in the audit log (R-G2).
"""
