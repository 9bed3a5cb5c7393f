"""The synced record types and the blueprints: the one list of what the app serves."""
from __future__ import annotations

from posyandu.audit import EntityType, register_entity
from posyandu.events import register_event
from posyandu.extensions import Blueprint
from posyandu.growth.models import Measurement
from posyandu.growth.operations import after_measurement_write, after_measurements_write
from posyandu.growth.schemas import MeasurementPage, MeasurementSchema, MeasurementUpdateSchema
from posyandu.immunisation.models import Immunisation, Supplement
from posyandu.immunisation.operations import check_immunisation, check_supplement
from posyandu.immunisation.schemas import (ImmunisationPage, ImmunisationSchema, ImmunisationUpdateSchema,
                                           SupplementPage, SupplementSchema, SupplementUpdateSchema)
from posyandu.registry.models import Child, Posyandu
from posyandu.registry.schemas import ChildSchema, PosyanduSchema
from posyandu.serializing import dumper
from posyandu import privacy as _privacy  # noqa: F401  (the access_log table, for alembic)
from posyandu.sync import models as _sync_models  # noqa: F401  (tables for alembic)

register_entity(EntityType("posyandu", Posyandu, dumper(PosyanduSchema()),
                           posyandu_of=lambda p: p.id, child_of=lambda p: None))
register_entity(EntityType("child", Child, dumper(ChildSchema()), child_of=lambda c: c.id))
register_entity(EntityType("measurement", Measurement, dumper(MeasurementSchema())))
register_entity(EntityType("immunisation", Immunisation, dumper(ImmunisationSchema())))
register_entity(EntityType("supplement", Supplement, dumper(SupplementSchema())))

register_event(Measurement, "measured_on", ("measured_on",), after_measurement_write, after_measurements_write)
register_event(Immunisation, "given_on", ("vaccine", "dose"), check_immunisation)
register_event(Supplement, "given_on", ("kind", "given_on"), check_supplement)


def blueprints() -> list[Blueprint]:
    from posyandu.auth.routes import blp as auth
    from posyandu.event_routes import event_blueprint
    from posyandu.growth.routes import blp as growth
    from posyandu.immunisation.routes import blp as immunisation
    from posyandu.imports.routes import blp as imports
    from posyandu.privacy_routes import blp as privacy
    from posyandu.registry.routes import blp as registry
    from posyandu.reports.routes import blp as reports
    from posyandu.sync.routes import blp as sync
    from posyandu.web import blp as web

    return [
        web, auth, registry, growth, immunisation, reports, imports, sync, privacy,
        event_blueprint(Measurement, "measurements", MeasurementSchema, MeasurementUpdateSchema,
                        MeasurementPage, "measured_on", "measurement"),
        event_blueprint(Immunisation, "immunisations", ImmunisationSchema, ImmunisationUpdateSchema,
                        ImmunisationPage, "given_on", "vaccine dose"),
        event_blueprint(Supplement, "supplements", SupplementSchema, SupplementUpdateSchema,
                        SupplementPage, "given_on", "vitamin A or deworming dose"),
    ]
