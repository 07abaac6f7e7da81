//! AWS Security Hub findings (ASFF JSON) to multi-host reports.
