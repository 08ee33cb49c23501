def add : Nat → Nat → Nat
  | n, 0 => n
  | n, m+1 => add n m + 1

theorem zero_add_left (n : Nat) : add 0 n = n := by
  induction n with
  | zero => rfl
  | succ n ih => simp [add, ih]

theorem succ_add_left (n m : Nat) : add (n + 1) m = add n m + 1 := by
  induction m with
  | zero => rfl
  | succ m ih => simp [add, ih]

theorem add_comm' (n m : Nat) : add n m = add m n := sorry
