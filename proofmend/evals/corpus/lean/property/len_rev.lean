def app : List α → List α → List α
  | [], ys => ys
  | x :: xs, ys => x :: app xs ys

def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

def rev : List α → List α
  | [] => []
  | x :: xs => app (rev xs) [x]

theorem len_app (xs ys : List α) : len (app xs ys) = len xs + len ys := by
  induction xs with
  | nil => simp [app, len]
  | cons x xs ih => simp [app, len, ih, Nat.add_assoc, Nat.add_comm 1]

theorem len_rev (xs : List α) : len (rev xs) = len xs := sorry
