/* err.c — filling struct hub_error and naming error codes. */
#include "hub/core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int hub_error_set(struct hub_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void hub_error_prefix(struct hub_error *err, const char *fmt, ...)
{
    char prefix[HUB_ERROR_MSG_MAX];
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    size_t plen = (size_t)n < sizeof prefix ? (size_t)n : sizeof prefix - 1;
    size_t mlen = strnlen(err->msg, sizeof err->msg - 1);
    if (plen + mlen > sizeof err->msg - 1)
        mlen = sizeof err->msg - 1 - plen;
    memmove(err->msg + plen, err->msg, mlen);
    memcpy(err->msg, prefix, plen);
    err->msg[plen + mlen] = '\0';
}

void hub_error_clear(struct hub_error *err)
{
    if (err) {
        err->code = HUB_OK;
        err->msg[0] = '\0';
    }
}

const char *hub_err_name(int code)
{
    switch (code) {
    case HUB_OK:
        return "OK";
    case HUB_EINVAL:
        return "EINVAL";
    case HUB_ENOMEM:
        return "ENOMEM";
    case HUB_EIO:
        return "EIO";
    case HUB_ENOTFOUND:
        return "ENOTFOUND";
    case HUB_ERANGE:
        return "ERANGE";
    case HUB_ESECURITY:
        return "ESECURITY";
    case HUB_ETIMEOUT:
        return "ETIMEOUT";
    case HUB_EINTERNAL:
        return "EINTERNAL";
    case HUB_ECONFIG_SYNTAX:
        return "ECONFIG_SYNTAX";
    case HUB_ECONFIG_UNKNOWN:
        return "ECONFIG_UNKNOWN";
    case HUB_ECONFIG_VALUE:
        return "ECONFIG_VALUE";
    case HUB_ECONFIG_MISSING:
        return "ECONFIG_MISSING";
    case HUB_EPNR_FORMAT:
        return "EPNR_FORMAT";
    case HUB_EPNR_DATE:
        return "EPNR_DATE";
    case HUB_EPNR_CHECKSUM:
        return "EPNR_CHECKSUM";
    case HUB_ESCHOOL_UNIT:
        return "ESCHOOL_UNIT";
    case HUB_EKOMMUN:
        return "EKOMMUN";
    case HUB_EENUM:
        return "EENUM";
    case HUB_EDISTRICT:
        return "EDISTRICT";
    case HUB_EDISTRICT_DATE:
        return "EDISTRICT_DATE";
    case HUB_EDATE:
        return "EDATE";
    case HUB_EUUID:
        return "EUUID";
    case HUB_EAVRO_MAGIC:
        return "EAVRO_MAGIC";
    case HUB_EAVRO_TRUNCATED:
        return "EAVRO_TRUNCATED";
    case HUB_EAVRO_FINGERPRINT:
        return "EAVRO_FINGERPRINT";
    case HUB_EAVRO_ENUM:
        return "EAVRO_ENUM";
    case HUB_EAVRO_UNION:
        return "EAVRO_UNION";
    case HUB_EAVRO_NEGLEN:
        return "EAVRO_NEGLEN";
    case HUB_EAVRO_HUGELEN:
        return "EAVRO_HUGELEN";
    case HUB_EAVRO_TRAILING:
        return "EAVRO_TRAILING";
    case HUB_EAVRO_SCHEMA:
        return "EAVRO_SCHEMA";
    case HUB_EAVRO_VALUE:
        return "EAVRO_VALUE";
    case HUB_EAVRO_VARINT:
        return "EAVRO_VARINT";
    case HUB_EKAFKA:
        return "EKAFKA";
    case HUB_EKAFKA_UNDELIVERED:
        return "EKAFKA_UNDELIVERED";
    case HUB_EPG:
        return "EPG";
    case HUB_EPG_CONNECT:
        return "EPG_CONNECT";
    case HUB_EPG_SCHEMA:
        return "EPG_SCHEMA";
    case HUB_ECRYPTO:
        return "ECRYPTO";
    case HUB_ESIGNATURE:
        return "ESIGNATURE";
    case HUB_ESEAL_TRUNCATED:
        return "ESEAL_TRUNCATED";
    case HUB_ESEAL_VERSION:
        return "ESEAL_VERSION";
    case HUB_ESEAL_KEY:
        return "ESEAL_KEY";
    case HUB_ESEAL_AUTH:
        return "ESEAL_AUTH";
    default:
        return "EUNKNOWN";
    }
}
