"""HL7 FHIR R4 export (fhir.resources, R4B models)."""

from symcheck.fhir.export import assessment_bundle, bundle_json

__all__ = ["assessment_bundle", "bundle_json"]
