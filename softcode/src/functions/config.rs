//! config(): PennMUSH's default configuration values (mush.cnf as shipped).

use crate::eval::{push, Args, Eval};
use crate::functions::ansi::strip_markup;
use crate::functions::FnDef;

pub(crate) const FUNCTIONS: &[FnDef] = &[FnDef::new("CONFIG", 1, 1, fun_config)];

/// (option, value), as config() prints them; booleans are Yes/No.
const OPTIONS: &[(&str, &str)] = &[
    ("ansi_names", "Yes"),
    ("base_room", "#0"),
    ("call_limit", "100"),
    ("chan_cost", "1000"),
    ("comma_exit_list", "Yes"),
    ("default_home", "#0"),
    ("empty_attrs", "Yes"),
    ("exits_connect_rooms", "No"),
    ("float_precision", "6"),
    ("function_invocation_limit", "25000"),
    ("function_recursion_limit", "50"),
    ("guest_start", "#0"),
    ("master_room", "#2"),
    ("max_aliases", "3"),
    ("max_attrs_per_obj", "2048"),
    ("max_depth", "10"),
    ("max_guests", "-1"),
    ("max_named_qregs", "50"),
    ("max_parents", "10"),
    ("money_plural", "Pennies"),
    ("money_singular", "Penny"),
    ("mud_name", "PennMUSH"),
    ("noisy_whisper", "No"),
    ("null_eq_zero", "No"),
    ("only_ascii_in_names", "Yes"),
    ("player_name_len", "15"),
    ("player_name_spaces", "No"),
    ("player_queue_limit", "100"),
    ("player_start", "#0"),
    ("queue_chunk", "3"),
    ("queue_entry_cpu_time", "1500"),
    ("read_remote_desc", "No"),
    ("reverse_shs", "Yes"),
    ("safer_ufun", "Yes"),
    ("silent_pemit", "No"),
    ("starting_money", "150"),
    ("starting_quota", "20"),
    ("tiny_booleans", "No"),
    ("tiny_math", "No"),
    ("tiny_trim_fun", "No"),
    ("use_muxcomm", "No"),
    ("zone_control_zmp_only", "Yes"),
];

fn fun_config(_: &mut Eval, a: &Args, o: &mut String) {
    let key = strip_markup(a.get(0));
    let key = key.trim();
    match OPTIONS.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
        Some((_, v)) => push(o, v),
        None => push(o, "#-1 NO SUCH CONFIG OPTION"),
    }
}
