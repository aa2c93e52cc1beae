"""CDS Hooks 2.0: pedmassage's screening offered to an EHR as CDS services.

``discovery`` says which services there are and what data each asks for; ``auth`` decides whether
a call comes from a trusted EHR (its signed JWT); ``service`` reads a hook call, gathers the
child's record from the prefetch or the EHR's FHIR server, and screens it; ``cards`` turns the
screening result into the cards the EHR shows. The HTTP routes are ``pedmassage.api.cds_hooks``.
"""
