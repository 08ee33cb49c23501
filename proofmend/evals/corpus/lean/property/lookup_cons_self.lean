def lookup (k : Nat) : List (Nat × Nat) → Option Nat
  | [] => none
  | (k', v) :: rest => if k = k' then some v else lookup k rest

theorem lookup_cons_self (k v : Nat) (rest : List (Nat × Nat)) : lookup k ((k, v) :: rest) = some v := sorry
