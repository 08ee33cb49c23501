;;; eglot_client.el --- drive Emacs and eglot as a user would  -*- lexical-binding: t -*-

;; Open a .v file, connect proofmend's language server with eglot, pick "Mend proof"
;; from `eglot-code-actions', edit the buffer, save.  The steps come from the JSON file
;; named by $PROOFMEND_EDITOR_TEST; what happened is written as JSON to its "out" path.
;; Only the menu choice (the user presses RET on the default) is answered here, and
;; eglot's idle-time flush of changes is run directly, since batch Emacs is never idle.

(require 'package)
(package-initialize)
(require 'eglot)
(require 'cl-lib)

(defvar pm-cfg
  (with-temp-buffer
    (insert-file-contents (getenv "PROOFMEND_EDITOR_TEST"))
    (json-parse-buffer :object-type 'alist :array-type 'list :false-object :json-false)))

(defun pm-cfg (key) (alist-get key pm-cfg))

(defvar pm-messages nil)
(defvar pm-diagnostics nil "Messages of the last diagnostics eglot received.")
(defvar pm-titles nil)
(defvar pm-steps nil)
(defvar pm-out (make-hash-table :test 'equal))

(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql window/showMessage)) &key _type message)
  (push message pm-messages))

(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql textDocument/publishDiagnostics)) &key _uri diagnostics &allow-other-keys)
  (setq pm-diagnostics (mapcar (lambda (d) (plist-get d :message)) diagnostics)))

(defun pm-save ()
  (puthash "messages" (vconcat (reverse pm-messages)) pm-out)
  (puthash "titles" (vconcat (reverse pm-titles)) pm-out)
  (puthash "steps" (vconcat (reverse pm-steps)) pm-out)
  (with-temp-file (pm-cfg 'out)
    (insert (json-serialize pm-out :null-object :null :false-object :json-false))))

(defun pm-finish (err)
  (puthash "error" (or err :null) pm-out)
  (pm-save)
  (kill-emacs 0))

(defun pm-step (name) (push name pm-steps) (pm-save))

(defun pm-wait (seconds pred what)
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (unless (funcall pred) (pm-finish (format "timed out waiting for %s" what)))))

(defun pm-flush-changes ()
  "What eglot's idle timer does once the user pauses typing: send the buffer's changes."
  (let ((timer eglot--change-idle-timer))
    (when timer
      (cancel-timer timer)
      (apply (timer--function timer) (timer--args timer)))))

(defun pm-admitted-count ()
  (save-excursion (goto-char (point-min)) (how-many "Admitted\\.")))

(defun pm-goto-line-text (text)
  (goto-char (point-min))
  (unless (search-forward-regexp (concat "^" (regexp-quote text) "$") nil t)
    (pm-finish (format "no line %s" text)))
  (beginning-of-line))

(defun pm-mend-at (line)
  "Put point on LINE and run `eglot-code-actions' as the user does, taking the default entry."
  (pm-goto-line-text line)
  (cl-letf (((symbol-function 'completing-read)
             (lambda (_prompt collection &optional _pred _req _init _hist default &rest _)
               (dolist (item collection) (push (car item) pm-titles))
               default)))
    (let ((last-nonmenu-event ?\r))  ; the menu is answered from the keyboard
      (eglot-code-actions (point) nil nil t))))

(defun pm-code-action-count (line)
  (pm-goto-line-text line)
  (let* ((t0 (float-time))
         (actions (eglot-code-actions (point) nil nil nil)))
    (puthash "code_action_ms" (* 1000 (- (float-time) t0)) pm-out)
    (length actions)))

(define-derived-mode coq-mode prog-mode "Coq")
(add-to-list 'auto-mode-alist '("\\.v\\'" . coq-mode))
(setq eglot-confirm-server-initiated-edits nil)  ; the user's setting: apply the mended proof without asking
(setq eglot-autoshutdown t)

(let* ((init (cl-loop for (k . v) in (pm-cfg 'init_options)
                      append (list (intern (format ":%s" k)) (if (eq v t) t v))))
       (contact (append (pm-cfg 'server) (list :initializationOptions init)))
       holes)
  (find-file (pm-cfg 'file))
  (eglot '(coq-mode) (eglot--current-project) 'eglot-lsp-server contact "coq")  ; as M-x eglot picks it
  (pm-wait 60 (lambda () (and (eglot-current-server) eglot--managed-mode)) "the server")
  (pm-step "initialized")
  (setq holes (pm-admitted-count))
  (let ((mended (lambda () (< (pm-admitted-count) holes)))
        (scenario (pm-cfg 'scenario)))
    (pcase scenario
      ("mend"
       (pm-mend-at (pm-cfg 'hole_line))
       (pm-wait 240 mended "the mended proof"))
      ("edit_above"
       (pm-mend-at (pm-cfg 'hole_line))
       (save-excursion (goto-char (point-min)) (insert "(* typed while mending *)\n"))
       (pm-flush-changes)
       (pm-step "edited")
       (pm-wait 240 mended "the mended proof"))
      ("edit_proof"
       (pm-mend-at (pm-cfg 'hole_line))
       (pm-goto-line-text (pm-cfg 'hole_line))
       (delete-region (line-beginning-position) (line-end-position))
       (insert (pm-cfg 'renamed_line))
       (pm-flush-changes)
       (pm-step "edited")
       (pm-wait 240 (lambda () (cl-some (lambda (m) (string-match-p "changed while it was being mended" m))
                                        pm-messages))
                "the drop message"))
      ("unreadable"
       (pm-wait 30 (lambda () (cl-some (lambda (m) (string-match-p "cannot read this file" m)) pm-diagnostics))
                "the warning")
       (puthash "actions_when_unreadable" (pm-code-action-count (pm-cfg 'hole_line)) pm-out)
       (erase-buffer)
       (insert (pm-cfg 'fixed_text))
       (pm-flush-changes)
       (pm-step "fixed")
       (pm-wait 30 (lambda () (cl-some (lambda (m) (string-prefix-p "Admitted: " m)) pm-diagnostics))
                "the hole marker")
       (pm-mend-at (pm-cfg 'hole_line))
       (pm-wait 240 mended "the mended proof"))
      ("cancel"
       (pm-goto-line-text (pm-cfg 'stuck_line))
       (eglot-execute-command (eglot-current-server) 'proofmend.mendProof
                              (vector (eglot--path-to-uri (pm-cfg 'file)) (1- (line-number-at-pos)) 0))
       (pm-step "started")
       (pm-wait 120 (lambda () (file-exists-p (pm-cfg 'provers_seen))) "the provers")
       (puthash "action_count_during" (pm-code-action-count (pm-cfg 'stuck_line)) pm-out)
       (puthash "action_ms_during" (gethash "code_action_ms" pm-out) pm-out)
       (puthash "cancel_answer" (eglot-execute-command (eglot-current-server) 'proofmend.cancelMends []) pm-out)
       (with-temp-file (pm-cfg 'cancelled) (insert "cancelled"))
       (pm-step "cancelled")
       (pm-wait 10 (lambda () (cl-some (lambda (m) (string-match-p "was cancelled" m)) pm-messages))
                "the cancel message")
       (accept-process-output nil (/ (pm-cfg 'linger_ms) 1000.0))
       (pm-mend-at (pm-cfg 'hole_line))
       (pm-wait 240 mended "the mend after the cancel"))
      (_ (pm-finish (format "unknown scenario %s" scenario)))))
  (puthash "client_alive" (if (jsonrpc-running-p (eglot-current-server)) t :json-false) pm-out)
  (save-buffer)
  (pm-step "written")
  (pm-finish nil))
