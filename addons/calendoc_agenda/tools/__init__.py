from .sms_segments import SmsCount, sms_segments  # noqa: F401
