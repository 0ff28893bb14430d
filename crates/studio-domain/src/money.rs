//! Amounts of money (US dollars, as `f64`) as people read them.
//!
//! Rust's float `Sum` of an empty iterator is `-0.0`, and a ledger of reservations and their reconciliations adds
//! up to tiny negative remainders (`-1e-17`); both print as "$-0.00". Every total a person or a cap reads goes
//! through [`total_usd`], which starts at `+0.0` and rounds to a micro-dollar.

/// The sum of `amounts` in dollars, rounded to 1e-6 and never `-0.0`.
pub fn total_usd<I: IntoIterator<Item = f64>>(amounts: I) -> f64 {
    usd(amounts.into_iter().fold(0.0, |a, b| a + b))
}

/// One amount rounded to a micro-dollar, with `-0.0` and non-finite values read as `0.0`.
pub fn usd(amount: f64) -> f64 {
    if !amount.is_finite() {
        return 0.0;
    }
    let r = (amount * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_spent_is_zero_not_minus_zero() {
        let none: Vec<f64> = Vec::new();
        assert_eq!(format!("{:.2}", total_usd(none)), "0.00");
        assert_eq!(format!("{:.2}", usd(-0.0)), "0.00");
        assert_eq!(format!("{:.2}", total_usd([0.1, 0.2, -0.3])), "0.00");
        assert_eq!(format!("{:.2}", usd(-1e-17)), "0.00");
        assert_eq!(total_usd([0.25, 1.5]), 1.75);
        assert_eq!(usd(f64::NAN), 0.0);
    }
}
