"""The currency codes a billing file may carry: ISO 4217's active alphabetic codes."""

from __future__ import annotations

# ISO 4217 "List One" (current currency and funds codes), as published by its maintenance
# agency, SIX Group (https://www.six-group.com/en/products-services/financial-information/
# data-standards.html), including amendments up to 2025 (XCG, ZWG, SLE, VED). Withdrawn codes
# (HRK, MRO, STD, VEF, BYR...) are not listed: no current bill is issued in them. Codes still
# listed while being phased out (ANG, SLL, ZWL, CUC) stay, so a late export still reads.
_LIST_ONE = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD
    MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS
    VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA
    XXX YER ZAR ZMW ZWG ZWL
    """
ISO_4217_CODES: frozenset[str] = frozenset(_LIST_ONE.split())


def is_currency_code(text: str) -> bool:
    """True for an active ISO 4217 code, in capitals as the standard writes them."""
    return text in ISO_4217_CODES
