from . import calendoc_user_invite
