def app : List α → List α → List α
  | [], ys => ys
  | x :: xs, ys => x :: app xs ys

-- len used to count from the front (1 + len xs); it now adds at the end
def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

theorem len_app (xs ys : List α) : len (app xs ys) = len xs + len ys := by
  induction xs with
  | nil => simp [app, len]
  | cons x xs ih => rw [app, len, len, ih, Nat.add_comm 1]
