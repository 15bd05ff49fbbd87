from . import (
    booking,
    portal,
    portal_appointments,
    portal_delegations,
    portal_messages,
    portal_packs,
    portal_users,
    signup,
)
