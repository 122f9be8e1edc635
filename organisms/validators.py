from django.core.exceptions import ValidationError
from stdnum.fr import siret as stdnum_siret


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits whose Luhn checksum holds (La Poste's SIRETs excepted by stdnum)."""
    if not value.isdigit() or len(value) != 14:
        raise ValidationError("Le SIRET doit comporter exactement 14 chiffres.", code="siret_shape")
    if not stdnum_siret.is_valid(value):
        raise ValidationError("Ce SIRET n'est pas valide : vérifiez les chiffres saisis.", code="siret_checksum")
