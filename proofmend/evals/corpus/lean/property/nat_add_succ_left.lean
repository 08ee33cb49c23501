def add : Nat → Nat → Nat
  | n, 0 => n
  | n, m+1 => add n m + 1

theorem succ_add_left (n m : Nat) : add (n + 1) m = add n m + 1 := sorry
