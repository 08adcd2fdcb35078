"""Operations a person starts on what the bridge already wrote: re-sync of a date interval
(``resync``), re-writing records of a derived flow (``rewriting``) and repairing duplicates
(``repair``). They reuse the sync strategies but run outside the regular sweep, so they sit
above ``sync/`` and apart from it.
"""
