//! XLSX for the spreadsheet engine's WebAssembly module, as a module of its
//! own: calamine, rust_xlsxwriter and zip are most of the engine's size, so
//! `rusheet` fetches this one only when a workbook is imported from or
//! exported to XLSX. Workbooks cross between the two modules in
//! `sheet_io::transfer`'s binary form.

use sheet_core::SheetError;
use sheet_io::WorkbookData;
use wasm_bindgen::prelude::*;

#[allow(clippy::needless_pass_by_value)]
fn js_error(e: SheetError) -> JsError {
    JsError::new(&e.to_string())
}

/// Reads an XLSX file: the workbook (values computed, cached spills
/// released, conditional formats) in transfer form.
#[wasm_bindgen(js_name = readXlsx)]
pub fn read_xlsx(data: &[u8]) -> Result<Vec<u8>, JsError> {
    let wb = sheet_io::read_xlsx(data).map_err(js_error)?;
    let conditional = sheet_io::read_conditional_formats(data, &wb).map_err(js_error)?;
    Ok(WorkbookData::of(&wb, &conditional).encode())
}

/// Writes a workbook given in transfer form as an XLSX file.
#[wasm_bindgen(js_name = writeXlsx)]
pub fn write_xlsx(transfer: &[u8]) -> Result<Vec<u8>, JsError> {
    let data = WorkbookData::decode(transfer).map_err(js_error)?;
    sheet_io::write_xlsx_data(&data).map_err(js_error)
}
