//! The day's trade bill, the statement the audit compares against: a CSV whose every cell
//! starts with a backtick (so spreadsheets keep long numbers as text), with Chinese column
//! names, amounts in yuan with two decimals, and a summary after the rows.

use super::PaymentError;

/// One transaction of the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillRow {
    /// When it happened, as the provider wrote it (China time, `YYYY-MM-DD HH:MM:SS`).
    pub time: String,
    pub transaction_id: String,
    pub out_trade_no: String,
    /// `SUCCESS`, `REFUND`, `REVOKED`, …
    pub trade_state: String,
    pub amount_fen: i64,
}

const COLUMNS: [&str; 27] = [
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
];
const SUMMARY: &str = "总交易单数";

/// Writes a bill as the provider does (the stand-in's side).
pub fn write(appid: &str, mchid: &str, rows: &[BillRow]) -> String {
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    let mut total = 0;
    for row in rows {
        let amount = yuan(row.amount_fen);
        let cells = [
            row.time.as_str(),
            appid,
            mchid,
            "0",
            "",
            &row.transaction_id,
            &row.out_trade_no,
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "NATIVE",
            &row.trade_state,
            "OTHERS",
            "CNY",
            &amount,
            "0.00",
            "0",
            "0",
            "0.00",
            "0.00",
            "",
            "",
            "PrepQ",
            "",
            "0.00000",
            "0.60%",
            &amount,
            "0.00",
            "",
        ];
        let line: Vec<String> = cells.iter().map(|cell| format!("`{cell}")).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
        total += row.amount_fen;
    }
    out.push_str("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n");
    out.push_str(&format!(
        "`{},`{},`0.00,`0.00,`0.00000,`{},`0.00\r\n",
        rows.len(),
        yuan(total),
        yuan(total)
    ));
    out
}

/// Reads a bill; columns are found by name, so added columns don't break it.
pub fn parse(text: &str) -> Result<Vec<BillRow>, PaymentError> {
    let mut lines = text.lines().map(|line| line.trim_end_matches('\r'));
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| PaymentError::Malformed("the bill is empty".into()))?
        .trim_start_matches('\u{feff}')
        .split(',')
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| PaymentError::Malformed(format!("the bill has no column {name}")))
    };
    let (time, transaction, trade_no, state, amount) = (
        column("交易时间")?,
        column("微信订单号")?,
        column("商户订单号")?,
        column("交易状态")?,
        column("订单金额")?,
    );
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.starts_with(SUMMARY) {
            break;
        }
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(|c| c.trim_start_matches('`')).collect();
        let cell = |i: usize| {
            cells.get(i).copied().ok_or_else(|| {
                PaymentError::Malformed(format!("bill row {} has {} cells", n + 1, cells.len()))
            })
        };
        rows.push(BillRow {
            time: cell(time)?.to_owned(),
            transaction_id: cell(transaction)?.to_owned(),
            out_trade_no: cell(trade_no)?.to_owned(),
            trade_state: cell(state)?.to_owned(),
            amount_fen: fen(cell(amount)?).ok_or_else(|| {
                PaymentError::Malformed(format!("bill row {}: amount {:?}", n + 1, cells[amount]))
            })?,
        });
    }
    Ok(rows)
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// `"12.30"` → 1230, exactly (no floats).
fn fen(yuan: &str) -> Option<i64> {
    let (whole, cents) = yuan.split_once('.').unwrap_or((yuan, "0"));
    if cents.len() > 2 || !cents.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents: i64 = format!("{cents:0<2}").parse().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_bill_reads_back_to_the_same_rows_in_fen() {
        let rows = vec![
            BillRow {
                time: "2026-11-23 10:00:00".into(),
                transaction_id: "4200001".into(),
                out_trade_no: "PQ1".into(),
                trade_state: "SUCCESS".into(),
                amount_fen: 1_000,
            },
            BillRow {
                time: "2026-11-23 11:00:00".into(),
                transaction_id: "4200002".into(),
                out_trade_no: "PQ2".into(),
                trade_state: "REFUND".into(),
                amount_fen: 4_990,
            },
        ];
        let text = write("wx0", "1900000001", &rows);
        assert!(text.contains("`49.90"));
        assert_eq!(parse(&text).unwrap(), rows);
    }

    #[test]
    fn amounts_are_read_exactly_and_nonsense_is_refused() {
        assert_eq!(fen("0.01"), Some(1));
        assert_eq!(fen("12.3"), Some(1_230));
        assert_eq!(fen("100"), Some(10_000));
        assert_eq!(fen("1.005"), None);
        assert_eq!(fen("abc"), None);
        assert!(parse("").is_err());
        assert!(parse("交易时间,商户订单号\r\n").is_err());
    }
}
