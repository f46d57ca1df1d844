//! QR codes of payment links, as PNG images a phone can scan off a screen.

use std::io::Cursor;

use image::{ImageFormat, Luma};
use qrcode::QrCode;

use crate::error::ApiError;

/// Pixels per module: a 33-module code comes out about 300 px wide with its quiet zone.
const MODULE_PX: u32 = 8;

pub fn png(text: &str) -> Result<Vec<u8>, ApiError> {
    let code = QrCode::new(text.as_bytes())
        .map_err(|e| ApiError::unprocessable(format!("cannot encode a QR code: {e}")))?;
    let image = code
        .render::<Luma<u8>>()
        .module_dimensions(MODULE_PX, MODULE_PX)
        .build();
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .expect("encoding a grey image as PNG in memory does not fail");
    Ok(png)
}
