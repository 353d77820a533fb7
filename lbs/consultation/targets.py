"""Where a rule's target resolves (pure): the parties a target role means in a municipality or organisation.

A *scope* is ``("m", municipality code)`` or ``("o", organisation id)``; a rule's ``target_role`` is looked up in
each scope it fires in, or its ``target_party_key`` names one party whatever the scope.
"""

from __future__ import annotations

from lbs.consultation.rule_schema import Context, MunicipalityData, PartyData, RuleData, Scope


def _representatives_of(organisation_id: int, context: Context) -> list[PartyData]:
    own = context.find("representative", "o", organisation_id)
    if own:
        return own
    # An umbrella organisation (e.g. Beredskabsstyrelsen) is represented by its units' representatives.
    return context.find("representative", "parent", organisation_id)


def _municipal_party(role: str, municipality: MunicipalityData, context: Context) -> list[PartyData]:
    if role == "fire_service":
        return _representatives_of(municipality.fire_service_id, context) if municipality.fire_service_id else []
    if role == "regional_health":
        if municipality.region_organisation_id is None:
            return []
        return context.find("representative", "parent", municipality.region_organisation_id)
    if role == "region_kommunikation":
        return context.find("kommunikation", "o", municipality.region_organisation_id)
    return context.find(role, "m", municipality.code)


def resolve(rule: RuleData, scope: Scope | None, context: Context) -> list[PartyData]:
    """The parties a rule's target means in a scope."""
    if rule.target_party_key:
        party = context.party(rule.target_party_key)
        return [party] if party else []
    role = rule.target_role or ""
    if scope is None:
        return []
    kind, value = scope
    if kind == "m":
        municipality = context.municipality(value)
        return _municipal_party(role, municipality, context) if municipality else []
    municipality = context.municipality_of_org(value)
    if municipality is not None:
        return _municipal_party(role, municipality, context)
    if role == "representative":
        return _representatives_of(value, context)
    return context.find(role, "o", value)


def scope_of_party(party: PartyData) -> Scope:
    return ("m", party.municipality_code) if party.municipality_code else ("o", party.organisation_id)


def all_scopes(rule: RuleData, context: Context) -> list[Scope | None]:
    if rule.target_party_key:
        return [None]
    only = rule.condition.get("only_municipalities")
    scopes: list[Scope | None] = [("m", m.code) for m in context.municipalities if not only or m.code in only]
    if rule.kind in ("owner_differs", "assistance", "bearer_uncertain"):
        kinds = rule.condition.get("kinds")
        scopes += [("o", org) for org, kind in sorted(context.organisation_kinds.items())
                   if context.municipality_of_org(org) is None and (not kinds or kind in kinds)]
    return scopes
